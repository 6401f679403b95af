import { describe, expect, it } from "vitest";
import { createStore } from "./store";

describe("a store", () => {
  it("tells subscribers the current value at once and every change after", () => {
    const store = createStore(1);
    const seen: number[] = [];
    const stop = store.subscribe((v) => seen.push(v));
    store.set(2);
    store.update((v) => v + 1);
    stop();
    store.set(9);
    expect(seen).toEqual([1, 2, 3]);
    expect(store.get()).toBe(9);
  });

  it("does not notify when the value stays the same", () => {
    const store = createStore("a");
    let calls = 0;
    store.subscribe(() => calls++);
    store.set("a");
    expect(calls).toBe(1);
  });
});
