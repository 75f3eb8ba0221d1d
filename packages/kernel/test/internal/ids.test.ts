import { afterEach, describe, expect, it, vi } from "vitest";
import { RANDOM_POOL_BYTES, uuidv7Generator } from "../../src/internal/ids.js";
import { FakeClock } from "../../src/testing/fake-clock.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp of a UUIDv7. */
const timestampOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("uuidv7Generator", () => {
  it("makes RFC 9562 version 7 ids carrying the clock's millisecond", () => {
    const clock = new FakeClock(Date.UTC(2026, 4, 6, 7, 8, 9, 10));
    const newId = uuidv7Generator(clock);
    const first = newId();
    expect(first).toMatch(UUID_V7);
    expect(timestampOf(first)).toBe(clock.now().getTime());
    clock.advance(1);
    const second = newId();
    expect(timestampOf(second)).toBe(clock.now().getTime());
    expect(second > first).toBe(true);
    expect(uuidv7Generator(new FakeClock(0))()).toMatch(/^00000000-0000-7/);
  });

  it("draws randomness in pooled blocks: one getRandomValues call for many ids, all distinct", () => {
    const spy = vi.spyOn(crypto, "getRandomValues");
    const newId = uuidv7Generator(new FakeClock());
    const count = 2_000;
    const ids = new Set<string>();
    for (let i = 0; i < count; i++) ids.add(newId());
    expect(ids.size).toBe(count);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    // 10 random bytes per id: a 4 KiB block serves 409 ids, so 2,000 ids take 5 calls.
    expect(spy).toHaveBeenCalledTimes(Math.ceil(count / Math.floor(RANDOM_POOL_BYTES / 10)));
  });

  it("uses the random bytes it draws, in order: the first two seed the millisecond's counter", () => {
    const fill = vi.spyOn(crypto, "getRandomValues").mockImplementation((array) => {
      const bytes = array as Uint8Array;
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
      return array;
    });
    const newId = uuidv7Generator(new FakeClock(0));
    // Bytes 0..9: version nibble of 0x00, 0x01, variant bits over 0x02, then 0x03..0x09.
    expect(newId()).toBe("00000000-0000-7001-8203-040506070809");
    // Same millisecond: the counter goes on (002); bytes 12..19 of the block fill the rest.
    expect(newId()).toBe("00000000-0000-7002-8c0d-0e0f10111213");
    expect(fill).toHaveBeenCalledTimes(1);
  });

  it("ids made in one millisecond sort in the order they were made (at least 2,048 of them)", () => {
    const newId = uuidv7Generator(new FakeClock(Date.UTC(2026, 0, 1)));
    const ids = Array.from({ length: 2_048 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
