import { en } from './en';
import { vi } from './vi';

export const LANGUAGES = ['vi', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type MessageKey = keyof typeof vi;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

export function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}

/** Looks a key up; unknown keys fall back to Vietnamese, then to the key itself so a gap is visible, not fatal. */
export function translate(lang: Lang, key: string): string {
  return dictionaries[lang][key as MessageKey] ?? dictionaries.vi[key as MessageKey] ?? key;
}

export type Translate = (key: string) => string;
export const translator =
  (lang: Lang): Translate =>
  (key) =>
    translate(lang, key);
