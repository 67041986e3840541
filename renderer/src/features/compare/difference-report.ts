// What a difference layer tells the comparison toolbar: still computing, the numbers, or why it could not.
export type DifferenceReport =
  | { status: 'loading' }
  | { status: 'ready'; meanAbsolute: number; changedFraction: number }
  | { status: 'failed'; message: string };
