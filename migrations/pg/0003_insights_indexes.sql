DROP INDEX "events_handoff_idx";--> statement-breakpoint
CREATE INDEX "handoffs_from_team_closed_idx" ON "handoffs" USING btree ("from_team","closed_at","created_at");--> statement-breakpoint
CREATE INDEX "events_handoff_idx" ON "events" USING btree ("handoff_id","id","type","at","from_state");