// The error a promise rejects with, for tests that inspect more than `rejects.toMatchObject` shows (codes, paths,
// messages). Fails the test when the promise resolves instead.
export async function rejection<E = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
