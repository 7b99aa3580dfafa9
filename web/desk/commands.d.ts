// Types of web/desk/commands.js for the node tests.
import type { Call } from './state.js';

export type TargetKind = 'extension' | 'queue' | 'number';
export const DTMF_RE: RegExp;
export const EXTENSION_RE: RegExp;
export const NUMBER_RE: RegExp;
export const QUEUE_RE: RegExp;
export function cleanNumber(text: unknown): string;
export function parseTarget(kind: string, text: unknown): { kind: TargetKind; to: string; error?: undefined } | { error: string };
export function guessTargetKind(text: unknown): TargetKind;
export function callCommand(kind: string, call: Call | null, args?: { digits?: string; kind?: string; to?: string }): Record<string, unknown> | null;
export function dialCommand(text: unknown, idempotencyKey: string): { msg: { type: 'dial'; number: string; idempotencyKey: string }; error?: undefined } | { error: string; msg?: undefined };
export function newIdempotencyKey(random?: () => number): string;
