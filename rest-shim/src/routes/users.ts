import { LOGIN, REGISTER, SEARCH_USERS, USER } from "../documents";
import { LoginBody, parseBody, pathParam, requiredQueryParam, RegisterBody } from "../request-shapes";
import type { Route } from "../routing";
import { graphqlId, restId, toRegisterInput, toRestUser } from "../translate";

/** The user service's endpoints; port 8001 and the gateway-style port serve them under different paths. */
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
export const USERS_GATEWAY_PATHS: UsersPaths = {
  register: "/api/users/register",
  login: "/api/users/login",
  search: "/api/users/search",
  byId: "/api/users/:id",
};

export function usersRoutes(paths: UsersPaths): Route[] {
  return [
    {
      method: "POST",
      path: paths.register,
      async handle(req, { gateway }) {
        const body = parseBody(RegisterBody, req);
        const { register } = await gateway.request(REGISTER, { input: toRegisterInput(body) });
        return { status: 200, body: { message: "User registered successfully", user_id: restId(register.id) } };
      },
    },
    {
      method: "POST",
      path: paths.login,
      async handle(req, { gateway }) {
        const { email, password } = parseBody(LoginBody, req);
        const { login } = await gateway.request(LOGIN, { email, password });
        return { status: 200, body: { token: login.token, user: toRestUser(login.user) } };
      },
    },
    // Before `byId`, so that "search" is not taken for an id.
    {
      method: "GET",
      path: paths.search,
      async handle(req, { gateway }) {
        const query = requiredQueryParam(req, "q");
        const { searchUsers } = await gateway.request(SEARCH_USERS, { query });
        return { status: 200, body: searchUsers.map(toRestUser) };
      },
    },
    {
      method: "GET",
      path: paths.byId,
      async handle(req, { gateway }) {
        const { user } = await gateway.request(USER, { id: graphqlId(pathParam(req, "id")) });
        if (!user) return { status: 404, body: { error: "User not found" } };
        return { status: 200, body: toRestUser(user) };
      },
    },
  ];
}
