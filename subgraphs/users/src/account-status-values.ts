/**
 * GraphQL's AccountStatus values and the database's, in one table (as
 * role-values.ts does for Role): ACTIVE is "active".
 */
export const ACCOUNT_STATUS_VALUES = {
  ACTIVE: "active",
  DISABLED: "disabled",
  CLOSED: "closed",
} as const;
