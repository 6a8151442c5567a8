import type { WebhookReceiverConfig } from '../../config-webhooks.ts';
import type { WebhookParser } from '../event.ts';
import { azureDevOps } from './azure.ts';
import { bitbucketCloud, bitbucketServer } from './bitbucket.ts';
import { genericParser } from './generic.ts';
import { gitea } from './gitea.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';

/** The parser for a receiver's provider. */
export function parserFor(
  receiver: Pick<WebhookReceiverConfig, 'provider' | 'signatureHeader'>,
): WebhookParser {
  switch (receiver.provider) {
    case 'github':
      return github;
    case 'gitea':
      return gitea;
    case 'gitlab':
      return gitlab;
    case 'bitbucket-cloud':
      return bitbucketCloud;
    case 'bitbucket-server':
      return bitbucketServer;
    case 'azure-devops':
      return azureDevOps;
    case 'generic':
      return genericParser(receiver.signatureHeader);
  }
}
