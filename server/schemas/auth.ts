import { z } from 'zod';

/** Lengths here bound work only; the password rules live in server/auth/passwords.ts. */
const email = z.string().trim().toLowerCase().min(3).max(320).pipe(z.email());
const password = z.string().min(1).max(4096);

export const loginBody = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(4096),
});

export const codeBody = z.object({ code: z.string().trim().min(6).max(32) });

/** Any malformed token reads as an unknown link (404), never as a validation error. */
export const setupParams = z.object({ token: z.string().max(200) });

export const setupBody = z.object({
  email,
  displayName: z.string().trim().min(1).max(60),
  password,
});

export const displayNameBody = z.object({ displayName: z.string().trim().min(1).max(60) });

export const changePasswordBody = z.object({
  currentPassword: password,
  newPassword: password,
});

export const disableTwoFactorBody = z.object({ password });

/** Any address-like text: the format is checked by the route, which re-shows the form. */
export const forgotBody = z.object({ email: z.string().trim().max(320) });
export const forgotEmail = email;

/** Any malformed token reads as an unusable link (404), never as a validation error. */
export const resetParams = z.object({ token: z.string().max(200) });

export const resetBody = z.object({
  password,
  code: z.string().trim().max(32).optional(),
});
