DROP INDEX `events_handoff_idx`;--> statement-breakpoint
CREATE INDEX `events_handoff_idx` ON `events` (`handoff_id`,`id`,`type`,`at`,`from_state`);--> statement-breakpoint
CREATE INDEX `handoffs_from_team_closed_idx` ON `handoffs` (`from_team`,`closed_at`,`created_at`);