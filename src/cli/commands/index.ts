/**
 * Every CLI command, registered in one place: add a line here for a new command.
 */
import { registerCommand } from '../registry.js';
import { apiVersionsCommand } from './api-versions.js';
import { brokerCommand } from './broker.js';
import { checkVersionCommand } from './check-version.js';
import { consumeCommand } from './consume.js';
import { demoCommand } from './demo.js';
import { metadataCommand } from './metadata.js';
import { produceCommand } from './produce.js';

registerCommand(apiVersionsCommand);
registerCommand(brokerCommand);
registerCommand(checkVersionCommand);
registerCommand(consumeCommand);
registerCommand(demoCommand);
registerCommand(metadataCommand);
registerCommand(produceCommand);
