import { z } from "zod";
import { LOGIN, REGISTER, SEARCH_USERS, USER } from "../documents";
import { LoginBody, pathParam, requiredQueryParam, RegisterBody } from "../request-shapes";
import { LoggedIn, Registered, User, Users } from "../response-shapes";
import { route, type Route } from "../routing";
import { graphqlId, restId, toRegisterInput, toRestUser } from "../translate";

/** The user service's endpoints; port 8001 and the legacy gateway port serve them under different paths. */
export interface UsersPaths {
  register: string;
  login: string;
  search: string;
  byId: string;
}

export const USERS_SERVICE_PATHS: UsersPaths = {
  register: "/register",
  login: "/login",
  search: "/users/search",
  byId: "/users/:id",
};
export const USERS_LEGACY_GATEWAY_PATHS: UsersPaths = {
  register: "/api/users/register",
  login: "/api/users/login",
  search: "/api/users/search",
  byId: "/api/users/:id",
};

export function usersRoutes(paths: UsersPaths): Route[] {
  return [
    route({
      method: "POST",
      path: paths.register,
      summary: "Register a user (GraphQL `register`).",
      body: RegisterBody,
      responses: {
        200: { description: "Registered.", schema: Registered },
        400: "Bad JSON or invalid fields.",
        409: "User already exists.",
        429: {
          description:
            "Too many sign-ins and registrations at the same time (the password hashing queue is full); try again shortly.",
          headers: { "Retry-After": { description: "Seconds to wait.", schema: z.number().int() } },
        },
      },
      async handle(_req, { gateway, body }) {
        const { register } = await gateway.request(REGISTER, { input: toRegisterInput(body) });
        return { status: 200, body: { message: "User registered successfully", user_id: restId(register.id) } };
      },
    }),
    route({
      method: "POST",
      path: paths.login,
      summary: "Exchange email and password for a JWT (GraphQL `login`).",
      body: LoginBody,
      responses: {
        200: { description: "Logged in.", schema: LoggedIn },
        401: "Invalid credentials.",
        429: {
          description:
            "Too many failed logins for this account or from this address (refused until the window passes), or too many sign-ins and registrations at the same time (the password hashing queue is full).",
          headers: { "Retry-After": { description: "Seconds to wait.", schema: z.number().int() } },
        },
      },
      async handle(_req, { gateway, body: { email, password } }) {
        const { login } = await gateway.request(LOGIN, { email, password });
        return { status: 200, body: { token: login.token, user: toRestUser(login.user) } };
      },
    }),
    // Before `byId`, so that "search" is not taken for an id.
    route({
      method: "GET",
      path: paths.search,
      summary: "Full-text search over email, username and full name (GraphQL `searchUsers`).",
      query: { q: { description: "Words to look for.", required: true } },
      responses: {
        200: { description: "Matching users, best first; [] when none.", schema: Users },
        400: "q missing or empty.",
        403: "AUTH_MODE=enforced and the caller is not an admin.",
      },
      async handle(req, { gateway }) {
        const query = requiredQueryParam(req, "q");
        const { searchUsers } = await gateway.request(SEARCH_USERS, { query });
        return { status: 200, body: searchUsers.map(toRestUser) };
      },
    }),
    route({
      method: "GET",
      path: paths.byId,
      summary: "One user (GraphQL `user`).",
      pathParams: { id: "The user's id." },
      responses: {
        200: { description: "The user.", schema: User },
        404: "User not found (with AUTH_MODE=enforced, also someone else's profile, for a customer).",
      },
      async handle(req, { gateway }) {
        const { user } = await gateway.request(USER, { id: graphqlId(pathParam(req, "id")) });
        if (!user) return { status: 404, body: { error: "User not found" } };
        return { status: 200, body: toRestUser(user) };
      },
    }),
  ];
}
