import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { RedbackError } from '../errors/index.js';
import { interpolateEnv, type InterpolationProblem } from './env-interpolation.js';

/**
 * Reads a YAML config file, interpolates `${ENV}`, validates it with a zod schema, and throws one
 * CONFIG_INVALID error listing every problem with its key path. Nothing here logs values, so
 * secrets stay out of logs.
 */
/** Checks the schema cannot express per field (uniqueness across a list), run on the raw document. */
export type ExtraCheck = (raw: unknown) => InterpolationProblem[];

export function loadYamlConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  extraCheck?: ExtraCheck,
): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RedbackError('CONFIG_INVALID', `cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      hint: 'pass the path of an existing YAML file with --config',
      cause: err,
    });
  }
  return parseYamlConfig(text, file, schema, env, extraCheck);
}

export function parseYamlConfig<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  extraCheck?: ExtraCheck,
): z.infer<S> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0]! }));
    throw configError(file, problems);
  }
  const problems: InterpolationProblem[] = [];
  const raw = interpolateEnv(doc.toJS() ?? {}, env, problems);
  const parsed = schema.safeParse(raw);
  if (extraCheck) problems.push(...extraCheck(raw));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ path: issue.path.map(String).join('.') || '(root)', message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) throw configError(file, problems);
  return parsed.data;
}

function configError(file: string, problems: InterpolationProblem[]): RedbackError {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new RedbackError('CONFIG_INVALID', `config ${file} is invalid (${count}):\n${lines.join('\n')}`, {
    hint: 'fix the keys listed above; deploy/examples/ has commented examples',
    details: { file, problems },
  });
}
