import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { CONFIG_FILE_ENV, ConfigSchema, envBindings, type Config } from './schema.js';

/** A configuration that cannot start the service; the message names the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]!] = value;
}

function convertEnv(env: string, raw: string, kind: 'string' | 'integer' | 'boolean'): unknown {
  if (kind === 'string') return raw;
  if (kind === 'integer') {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`Invalid configuration: ${env} must be an integer, got "${raw}"`);
    return Number(raw.trim());
  }
  const lowered = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
  if (['0', 'false', 'no', 'off'].includes(lowered)) return false;
  throw new ConfigError(`Invalid configuration: ${env} must be true or false, got "${raw}"`);
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${CONFIG_FILE_ENV} file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`Invalid configuration: ${path} must hold a mapping of settings`);
  return parsed as Tree;
}

function describeKey(instancePath: string): string {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const binding = envBindings.find((b) => b.path === path);
  return binding ? `${path} (${binding.env})` : path || '(root)';
}

/**
 * Builds the configuration from an optional file and the environment
 * (environment wins) and validates it against the schema once.
 * The only function in openhss that reads `process.env`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Tree = {}): Config {
  const filePath = env[CONFIG_FILE_ENV];
  const tree: Tree = filePath ? readConfigFile(resolve(filePath)) : {};
  for (const binding of envBindings) {
    const raw = env[binding.env];
    if (raw === undefined) continue;
    setPath(tree, binding.path, convertEnv(binding.env, raw, binding.kind));
  }
  for (const [path, value] of Object.entries(overrides)) setPath(tree, path, value);
  return validateConfig(tree);
}

/** Applies defaults and validates; throws ConfigError naming the first bad key. */
export function validateConfig(tree: Tree): Config {
  const withDefaults = Value.Default(ConfigSchema, structuredClone(tree));
  const errors = Value.Errors(ConfigSchema, withDefaults);
  const first = errors[0];
  if (first) {
    const params = first.params as Record<string, unknown>;
    if (first.keyword === 'boolean') {
      // TypeBox reports an unknown key as its value failing the `false` schema.
      const segments = first.instancePath.split('/').filter(Boolean);
      const key = segments.pop() ?? '';
      throw new ConfigError(`Invalid configuration: unknown key ${key} under ${segments.join('.') || '(root)'}`);
    }
    if (first.keyword === 'additionalProperties') {
      const unknownKeys = (params.additionalProperties as string[]).join(', ');
      throw new ConfigError(`Invalid configuration: unknown key ${unknownKeys} under ${describeKey(first.instancePath)}`);
    }
    const allowed = Array.isArray(params.allowedValues) ? `: ${params.allowedValues.join(', ')}` : '';
    throw new ConfigError(`Invalid configuration: ${describeKey(first.instancePath)} ${first.message}${allowed}`);
  }
  return withDefaults as Config;
}
