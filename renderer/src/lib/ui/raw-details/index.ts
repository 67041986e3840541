export { default as RawDetails } from './RawDetails.svelte';
