export { default as ErrorMessage } from './ErrorMessage.svelte';
