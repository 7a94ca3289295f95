import { randomBytes, randomInt } from 'node:crypto';

/** 32 lowercase hex characters, the shape of Huawei Cloud domain, project and user ids. */
export const newHexId = (): string => randomBytes(16).toString('hex');

const AK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Access keys look like Huawei Cloud's: 20 upper-case letters and digits. */
export const newAccessKey = (): string => randomString(AK_ALPHABET, 20);
/** Secret keys: 40 letters and digits. */
export const newSecretKey = (): string => randomString(SK_ALPHABET, 40);
/** Passwords generated for the first user. */
export const newPassword = (): string => randomString(SK_ALPHABET, 24);
