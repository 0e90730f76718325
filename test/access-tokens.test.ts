import { signAccessToken, verifyAccessToken } from "../lib/auth";

describe("access tokens", () => {
  test("tokens verify with their secret only", () => {
    const token = signAccessToken({ userId: "7", role: "customer" }, "secret-one-secret-one", 60);
    expect(verifyAccessToken(token, "secret-one-secret-one")).toEqual({ userId: "7", role: "customer", tokenVersion: 0 });
    expect(verifyAccessToken(token, "another-secret-value")).toBeNull();
    expect(verifyAccessToken("garbage", "secret-one-secret-one")).toBeNull();
  });
});
