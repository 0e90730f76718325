import { wordPrefixQuery } from "../subgraphs/shared/search-text";

describe("search text", () => {
  test("keeps letters and digits only, each word a prefix", () => {
    expect(wordPrefixQuery("John D.")).toBe("john:* & d:*");
    expect(wordPrefixQuery("a':* | !b & (c)")).toBe("a:* & b:* & c:*");
    expect(wordPrefixQuery(" --- ")).toBeNull();
  });
});
