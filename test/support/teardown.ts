/**
 * Runs a test file's teardown steps in order, every one of them, then throws the first error
 * (all of them, when several failed). A step whose resource a failed `before` never created
 * reads it with `?.` and has nothing to do; a step that throws does not keep the later ones
 * from closing what would otherwise hold the test process open.
 *
 * @example
 * after(() => tearDown(
 *   () => service?.stop(),
 *   () => harness?.close(),
 * ));
 */
export async function tearDown(...steps: readonly (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} teardown steps failed`);
}
