import { graphql } from "../../lib/__generated__/public-api-tests";

/** GraphQL documents of account management (profile, closing, export, admins), typed against the public API. */

export const ACCOUNT_FIELDS = graphql(`
  fragment AccountFields on User {
    id
    email
    username
    fullName
    role
    status
    closedAt
  }
`);

export const MY_ACCOUNT = graphql(`
  query MyAccount {
    me {
      ...AccountFields
    }
  }
`);

export const UPDATE_PROFILE = graphql(`
  mutation UpdateProfile($id: ID, $input: UpdateProfileInput!) {
    updateProfile(id: $id, input: $input) {
      ...AccountFields
    }
  }
`);

export const CLOSE_MY_ACCOUNT = graphql(`
  mutation CloseMyAccount($password: String!) {
    closeMyAccount(password: $password) {
      ...AccountFields
    }
  }
`);

export const CLOSE_ACCOUNT = graphql(`
  mutation CloseAccount($id: ID!) {
    closeAccount(id: $id) {
      ...AccountFields
    }
  }
`);

export const SET_ROLE = graphql(`
  mutation SetRole($id: ID!, $role: Role!) {
    setRole(id: $id, role: $role) {
      ...AccountFields
    }
  }
`);

export const DISABLE_ACCOUNT = graphql(`
  mutation DisableAccount($id: ID!) {
    disableAccount(id: $id) {
      ...AccountFields
    }
  }
`);

export const ENABLE_ACCOUNT = graphql(`
  mutation EnableAccount($id: ID!) {
    enableAccount(id: $id) {
      ...AccountFields
    }
  }
`);

export const ACCOUNT_EXPORT = graphql(`
  query AccountExport($id: ID) {
    accountExport(id: $id) {
      exportedAt
      user {
        ...AccountFields
        createdAt
        updatedAt
        orders(first: 100) {
          id
          status
          totalAmount
          createdAt
          items {
            quantity
            unitPrice
            product {
              id
              name
            }
          }
        }
      }
      signIns {
        startedAt
        expiresAt
        revokedAt
      }
    }
  }
`);

/** An order as the shop's books see it, with everything it says about its customer. */
export const ORDER_WITH_CUSTOMER = graphql(`
  query OrderWithCustomer($id: ID!) {
    order(id: $id) {
      id
      totalAmount
      status
      user {
        ...AccountFields
      }
    }
  }
`);
