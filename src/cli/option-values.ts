/** Reading parsed command-line option values: strings, and integers checked against a range. */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import type { CommandContext } from './registry.js';

/** The option's text, or undefined when it was not given. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The option as an integer from `min` to `max`, or undefined when it was not given; anything else is a usage error. */
export function integerOption(context: CommandContext, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = stringOption(context, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new KafkaInvalidArgumentError(`--${name} must be an integer ${range}, got '${text}'`);
  }
  return value;
}
