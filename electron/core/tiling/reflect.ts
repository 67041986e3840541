// Reflect padding: which real pixel a coordinate outside the image reads.
//
// May import: nothing.

/**
 * Index into `[0, length)` for any integer `i`, mirroring at the borders without repeating the edge pixel
 * (numpy/PyTorch `reflect`: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...). Works for any distance beyond the border,
 * also when the pad is larger than the image (the mirror repeats with period 2(n-1)); a 1-pixel axis always reads 0.
 */
export function reflectIndex(i: number, length: number): number {
  if (i >= 0 && i < length) return i;
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const m = ((i % period) + period) % period; // also turns -0 into 0
  return m < length ? m : period - m;
}

/** `reflectIndex(start + k, length)` for k in `[0, count)`, as a table (one per tile axis, reused for every row). */
export function reflectTable(start: number, count: number, length: number): Int32Array {
  const table = new Int32Array(count);
  for (let k = 0; k < count; k++) table[k] = reflectIndex(start + k, length);
  return table;
}
