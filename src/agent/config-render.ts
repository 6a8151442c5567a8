import { z } from 'zod';
import type { RenderSpec } from '../core/render-spec.ts';

const positive = z.int().min(1);

/** The `render` key of a target in the agent config (docs/render.md); absent means `mode: auto`. */
export const renderSchema = z
  .strictObject({
    mode: z.enum(['auto', 'plain', 'kustomize', 'helm']).default('auto'),
    helm: z
      .strictObject({
        releaseName: z
          .string()
          .regex(
            /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/,
            'must be a Helm release name (a-z, 0-9, -; 53 at most)',
          )
          .optional(),
        valuesFiles: z.array(z.string().min(1)).optional(),
        values: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    kustomize: z
      .strictObject({
        allowRemote: z.boolean().optional(),
        allowedHosts: z.array(z.string().min(1)).optional(),
      })
      .optional(),
    limits: z
      .strictObject({
        timeoutMs: positive.optional(),
        maxOutputBytes: positive.optional(),
        maxMemoryBytes: positive.optional(),
      })
      .optional(),
  })
  .transform((r): RenderSpec => r);
