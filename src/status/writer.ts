import { azureWriter } from './azure.ts';
import { bitbucketCloudWriter, bitbucketServerWriter } from './bitbucket.ts';
import { githubWriter } from './github.ts';
import { giteaWriter } from './gitea.ts';
import { gitlabWriter } from './gitlab.ts';
import type { HostCoordinates, StatusWriter, TokenSource } from './types.ts';

/** The writer of a host; `webUrl` is the link Bitbucket requires when no target URL is configured. */
export function createWriter(coords: HostCoordinates, token: TokenSource, webUrl: string): StatusWriter {
  switch (coords.provider) {
    case 'github':
      return githubWriter(coords, token);
    case 'gitlab':
      return gitlabWriter(coords, token);
    case 'gitea':
      return giteaWriter(coords, token);
    case 'bitbucket-cloud':
      return bitbucketCloudWriter(coords, token, webUrl);
    case 'bitbucket-server':
      return bitbucketServerWriter(coords, token, webUrl);
    case 'azure-devops':
      return azureWriter(coords, token);
  }
}
