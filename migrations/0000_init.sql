CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`handoff_id` integer NOT NULL,
	`type` text NOT NULL,
	`actor_id` text NOT NULL,
	`at` integer NOT NULL,
	`from_state` text,
	`to_state` text NOT NULL,
	`data` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`handoff_id`) REFERENCES `handoffs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_handoff_idx` ON `events` (`handoff_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_type_at_idx` ON `events` (`type`,`at`);--> statement-breakpoint
CREATE TABLE `handoffs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type_key` text NOT NULL,
	`from_team` text,
	`to_team` text NOT NULL,
	`state` text NOT NULL,
	`requester_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`title` text NOT NULL,
	`fields` text NOT NULL,
	`completion` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`queued_at` integer NOT NULL,
	`accepted_at` integer,
	`closed_at` integer,
	`accept_due_at` integer,
	`complete_due_at` integer,
	`channel_id` text NOT NULL,
	`message_ts` text,
	`permalink` text,
	`parent_id` integer,
	`submission_key` text
);
--> statement-breakpoint
CREATE INDEX `handoffs_state_team_idx` ON `handoffs` (`state`,`to_team`);--> statement-breakpoint
CREATE INDEX `handoffs_owner_state_idx` ON `handoffs` (`owner_id`,`state`);--> statement-breakpoint
CREATE INDEX `handoffs_requester_state_idx` ON `handoffs` (`requester_id`,`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `handoffs_submission_key_idx` ON `handoffs` (`submission_key`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`handoff_id` integer,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`sent_at`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `unique_values` (
	`type_key` text NOT NULL,
	`field_key` text NOT NULL,
	`value` text NOT NULL,
	`handoff_id` integer NOT NULL,
	PRIMARY KEY(`type_key`, `field_key`, `value`),
	FOREIGN KEY (`handoff_id`) REFERENCES `handoffs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `unique_values_handoff_idx` ON `unique_values` (`handoff_id`);