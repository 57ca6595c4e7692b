import { defineConfig } from 'drizzle-kit';

// Postgres migrations, generated from the Postgres twin of the schema into their own folder
// (`npm run db:generate:pg`); drizzle.config.ts keeps generating SQLite's into migrations/.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg.ts',
  out: './migrations/pg',
});
