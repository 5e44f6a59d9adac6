import { describe, expect, it } from "vitest";
import { ListenerList } from "./listener-list.js";

describe("ListenerList", () => {
  it("calls each registration, the same function added twice twice, until removed", () => {
    const list = new ListenerList<number>();
    const seen: number[] = [];
    const fn = (n: number) => seen.push(n);
    const removeFirst = list.add(fn);
    list.add(fn);
    list.emit(1);
    removeFirst();
    removeFirst();
    list.emit(2);
    expect(seen).toEqual([1, 1, 2]);
  });

  it("emits to the listeners present when it started", () => {
    const list = new ListenerList<string>();
    const seen: string[] = [];
    let removeB = () => {};
    list.add(() => {
      seen.push("a");
      removeB();
      list.add(() => seen.push("late"));
    });
    removeB = list.add(() => seen.push("b"));
    list.emit("x");
    expect(seen).toEqual(["a", "b"]);
  });

  it("hands a listener's error to onError and goes on, or rethrows without one", () => {
    const list = new ListenerList<void>();
    const seen: string[] = [];
    list.add(() => {
      throw new Error("boom");
    });
    list.add(() => seen.push("after"));
    const errors: unknown[] = [];
    list.emit(undefined, (e) => errors.push(e));
    expect(seen).toEqual(["after"]);
    expect(errors).toHaveLength(1);
    expect(() => list.emit(undefined)).toThrow("boom");
  });
});
