/** The account-email operations as the tests send them (account-emails*.e2e.test.ts). */
export const SIGN_UP = `mutation SignUp($input: RegisterInput!) { signUp(input: $input) }`;
export const LOGIN_SESSION = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token refreshToken user { id } }
}`;
export const CHANGE_PASSWORD = `mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { token refreshToken }
}`;
export const REQUEST_RESET = `mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }`;
export const RESET = `mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }`;
export const VERIFY = `mutation VerifyEmail($token: String!) { verifyEmail(token: $token) }`;
export const RESEND_VERIFICATION = `mutation ResendVerificationEmail { resendVerificationEmail }`;
export const CHANGE_EMAIL = `mutation RequestEmailChange($newEmail: String!, $password: String!) {
  requestEmailChange(newEmail: $newEmail, password: $password)
}`;
export const REFRESH = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { token } }`;
export const ME_EMAIL = `query Me { me { id email emailVerified } }`;
