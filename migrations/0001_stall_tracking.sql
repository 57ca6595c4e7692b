CREATE TABLE `digests` (
	`user_id` text NOT NULL,
	`local_date` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `local_date`)
);
--> statement-breakpoint
CREATE TABLE `nudges` (
	`handoff_id` integer NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`handoff_id`, `key`),
	FOREIGN KEY (`handoff_id`) REFERENCES `handoffs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `user_profiles` (
	`user_id` text PRIMARY KEY NOT NULL,
	`timezone` text NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `handoffs` ADD `accept_warn_at` integer;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `complete_warn_at` integer;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `snoozed_until` integer;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `nudge_at` integer;--> statement-breakpoint
CREATE INDEX `handoffs_nudge_at_idx` ON `handoffs` (`nudge_at`);--> statement-breakpoint
CREATE INDEX `handoffs_state_accept_warn_idx` ON `handoffs` (`state`,`accept_warn_at`);--> statement-breakpoint
CREATE INDEX `handoffs_state_complete_warn_idx` ON `handoffs` (`state`,`complete_warn_at`);--> statement-breakpoint
CREATE INDEX `handoffs_state_accept_due_idx` ON `handoffs` (`state`,`accept_due_at`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_until` integer;