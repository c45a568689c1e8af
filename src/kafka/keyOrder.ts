/**
 * Keeps the records of one key in partition order while they are handled concurrently: a
 * record's task starts only once the task of the key's previous record has finished, while
 * records of other keys run side by side. A producer keys a cancel like its request so that it
 * follows the request; handled in parallel, the cancel could reach Temporal before the request's
 * start and find no run. Keyless records are not ordered.
 *
 * A task whose predecessor failed does not run and fails with the same error: the batch fails
 * then anyway, and the later record must not be handled before the earlier one.
 *
 * @example
 * const order = new KeyOrder();
 * await Promise.all(batch.messages.map((message) => order.run(message.key, () => handle(message))));
 */
export class KeyOrder {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: Buffer | string | null | undefined, task: () => Promise<T>): Promise<T> {
    if (key === null || key === undefined) return task();
    // latin1 maps every byte to one character: two keys are equal exactly when their bytes are.
    const name = typeof key === 'string' ? key : key.toString('latin1');
    const previous = this.tails.get(name);
    const next = previous ? previous.then(task) : task();
    this.tails.set(name, next);
    // A key's entry goes once its last task settles: a long-lived order stays as small as what is in flight.
    const forget = (): void => {
      if (this.tails.get(name) === next) this.tails.delete(name);
    };
    next.then(forget, forget);
    return next;
  }
}
