/**
 * Every CLI command, registered in one place: add a line here for a new command.
 */
import { registerCommand } from '../registry.js';
import { apiVersionsCommand } from './api-versions.js';
import { brokerCommand } from './broker.js';
import { checkVersionCommand } from './check-version.js';
import { metadataCommand } from './metadata.js';

registerCommand(apiVersionsCommand);
registerCommand(brokerCommand);
registerCommand(checkVersionCommand);
registerCommand(metadataCommand);
