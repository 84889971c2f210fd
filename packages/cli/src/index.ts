export { main } from "./main";
export { COMMANDS } from "./commands";
export type { Command, CommandContext, ProjectConfig } from "./command";
export { parseMigration, readMigrations } from "./migrations/file";
export type { MigrationFile, MigrationSection } from "./migrations/file";
export type { Output } from "./main";
