import { describe, expect, it } from 'vitest';
import { KubeApiError, isRetryable } from '../../../src/kube/errors.ts';

const err = (status: number, reason: string, message: string): KubeApiError =>
  new KubeApiError(status, reason, `PATCH /apis/apps/v1/namespaces/a/deployments/web: ${message}`);

describe('isRetryable classifies by Status reason and message, not by HTTP code alone', () => {
  it.each([
    ['a network failure', err(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1:6443'), true],
    [
      'a timeout',
      err(504, 'Timeout', 'the server was unable to return a response in the time allotted'),
      true,
    ],
    ['throttling', err(429, 'TooManyRequests', 'too many requests'), true],
    [
      'an unavailable server',
      err(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
      true,
    ],
    [
      'an internal error',
      err(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'),
      true,
    ],
    [
      'a stale resourceVersion',
      err(
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      ),
      true,
    ],
    [
      'a misspelt field',
      err(
        500,
        'InternalError',
        'failed to create typed patch object (a/web; apps/v1, Kind=Deployment): .spec.replicass: field not declared in schema',
      ),
      false,
    ],
    [
      'an invalid object',
      err(422, 'Invalid', 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1'),
      false,
    ],
    ['a bad request', err(400, 'BadRequest', 'strict decoding error: unknown field "spec.replicass"'), false],
    [
      'a field manager conflict',
      err(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "team-b": .data.owner'),
      false,
    ],
    ['a missing kind', err(404, 'NotFound', 'the server could not find the requested resource'), false],
  ])('%s → %s', (_what, error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });
});
