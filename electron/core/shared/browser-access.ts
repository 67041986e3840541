// How a browser-mode page proves itself to `tinysr serve`, shared by the server (core/server/access.ts) and the page
// (renderer/src/lib/backend/http-backend.ts). No cookies: a cookie for 127.0.0.1 is sent to every server on
// 127.0.0.1 whatever its port, so any other local program the browser visits would receive the token.
//
// - The printed URL carries the token in its fragment (`/#token=T`), which browsers never send to a server. The page
//   moves it into sessionStorage (per origin, so per port, and per tab) and removes it from the address bar.
// - API calls and the event stream send it as `Authorization: Bearer T`.
// - An <img> cannot send a header, so image URLs carry an image key instead: HMAC-SHA256(token, IMAGE_KEY_LABEL),
//   base64url. It opens GET /api/image and nothing else, so a leaked image URL exposes images, never the API.
//
// May import: nothing.

/** The fragment parameter of the printed URL that holds the token. */
export const TOKEN_FRAGMENT_PARAM = 'token';
/** Where the page keeps the token for its tab (sessionStorage is per origin: another port never sees it). */
export const TOKEN_STORAGE_KEY = 'tinysr-token';
/** The query parameter of image URLs that holds the image key. */
export const IMAGE_KEY_PARAM = 'key';
/** What the image key is an HMAC of, keyed by the token. */
export const IMAGE_KEY_LABEL = 'tinysr image key v1';
