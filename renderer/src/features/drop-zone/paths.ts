// Paths from text the user pasted or typed: one per line (or tab-separated, as file managers copy them), with quotes
// and file:// URLs undone. Pure.
//
// May import: nothing.

export function parsePathList(text: string): string[] {
  const paths = text
    .split(/[\r\n\t]+/)
    .map((line) => line.trim())
    .map((line) => (/^(["']).*\1$/.test(line) ? line.slice(1, -1) : line))
    .map((line) => (line.startsWith('file://') ? fileUrlToPath(line) : line))
    .filter((line) => line !== '');
  return [...new Set(paths)];
}

function fileUrlToPath(url: string): string {
  try {
    const parsed = new URL(url);
    const path = decodeURIComponent(parsed.pathname);
    // file:///C:/x -> C:/x on Windows-style paths.
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  } catch {
    return url;
  }
}
