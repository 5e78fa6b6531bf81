// Proves the harness itself: these run under jest on Node and under the shim on XS.
describe('portable test harness', () => {
  test('deep equality of bytes and objects', () => {
    expect({ a: new Uint8Array([1, 2]), b: [1, { c: 'x' }] }).toEqual({ a: new Uint8Array([1, 2]), b: [1, { c: 'x' }] });
    expect(new Uint8Array([1, 2])).not.toEqual(new Uint8Array([1, 3]));
  });
  test('thrown errors are matched by class and message', () => {
    class Custom extends Error {}
    expect(() => { throw new Custom('boom'); }).toThrow(Custom);
    expect(() => { throw new Custom('boom'); }).toThrow('boo');
    expect(() => undefined).not.toThrow();
  });
  test('timers and promises run to completion', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      setTimeout(() => { order.push('late'); resolve(); }, 50);
      setTimeout(() => order.push('early'), 10);
    });
    expect(order).toEqual(['early', 'late']);
  });
});
