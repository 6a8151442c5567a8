import { basicAuth, requestJson } from './http.ts';
import type { CommitState, HostCoordinates, PostedStatus, StatusWriter, TokenSource } from './types.ts';

const TO_AZURE: Record<CommitState, string> = {
  pending: 'pending',
  success: 'succeeded',
  failure: 'failed',
  error: 'error',
};
const FROM_AZURE: Record<string, CommitState> = {
  pending: 'pending',
  notSet: 'pending',
  succeeded: 'success',
  notApplicable: 'success',
  failed: 'failure',
  error: 'error',
};

/** Context genre of every status the agent posts; the context's name is the configured context. */
export const AZURE_GENRE = 'gitops-agent';

/**
 * Commit statuses on Azure DevOps (`POST {org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses`,
 * api-version 7.1); a personal access token goes as Basic with an empty user name, as Azure DevOps documents.
 */
export function azureWriter(coords: HostCoordinates, token: TokenSource): StatusWriter {
  const [org, project, repo] = coords.repository.split('/').map(encodeURIComponent) as [
    string,
    string,
    string,
  ];
  const base = `${coords.apiUrl}/${org}/${project}/_apis/git/repositories/${repo}/commits`;
  return {
    provider: 'azure-devops',
    maxDescription: 255,
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      const res = await requestJson<{
        value: { state: string; description?: string; context: { name: string; genre?: string } }[];
      }>({
        method: 'GET',
        url: `${base}/${sha}/statuses?latestOnly=true&api-version=7.1`,
        headers: { authorization: basicAuth('', await token()) },
        signal,
      });
      const s = res?.value.find((v) => v.context.name === context && (v.context.genre ?? '') === AZURE_GENRE);
      return s ? { state: FROM_AZURE[s.state] ?? 'error', description: s.description ?? '' } : undefined;
    },
    async post(sha, status, signal): Promise<void> {
      await requestJson({
        method: 'POST',
        url: `${base}/${sha}/statuses?api-version=7.1`,
        headers: { authorization: basicAuth('', await token()) },
        body: {
          state: TO_AZURE[status.state],
          description: status.description,
          context: { name: status.context, genre: AZURE_GENRE },
          ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
        },
        signal,
      });
    },
  };
}
