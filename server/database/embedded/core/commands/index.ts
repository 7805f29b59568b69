/** Every command the engine answers, by name. */
import { ADMIN_COMMANDS } from './admin';
import { INDEX_COMMANDS } from './indexes';
import { READ_COMMANDS } from './read';
import { CommandHandler } from './types';
import { WRITE_COMMANDS } from './write';

export const COMMANDS: Record<string, CommandHandler> = {
  ...ADMIN_COMMANDS,
  ...INDEX_COMMANDS,
  ...READ_COMMANDS,
  ...WRITE_COMMANDS,
};
