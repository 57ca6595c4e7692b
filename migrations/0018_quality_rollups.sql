CREATE TABLE `quality_backfill` (
	`id` integer PRIMARY KEY NOT NULL,
	`through_event_id` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `quality_days` (
	`to_team` text NOT NULL,
	`day` integer NOT NULL,
	`decided_day` integer NOT NULL,
	`type_key` text NOT NULL,
	`from_team` text NOT NULL,
	`type_version` text NOT NULL,
	`decided` integer NOT NULL,
	`returns` integer NOT NULL,
	`first_returns` integer NOT NULL,
	`second_returns` integer NOT NULL,
	`first_created_at` integer,
	`first_handoff_id` integer NOT NULL,
	PRIMARY KEY(`to_team`, `day`, `decided_day`, `type_key`, `from_team`, `type_version`)
);
--> statement-breakpoint
CREATE INDEX `quality_days_from_idx` ON `quality_days` (`from_team`,`day`);--> statement-breakpoint
CREATE INDEX `quality_days_type_idx` ON `quality_days` (`type_key`,`day`);--> statement-breakpoint
CREATE TABLE `quality_facts` (
	`event_id` integer PRIMARY KEY NOT NULL,
	`handoff_id` integer NOT NULL,
	`type_key` text NOT NULL,
	`from_team` text,
	`to_team` text NOT NULL,
	`type_version` text,
	`created_at` integer NOT NULL,
	`at` integer NOT NULL,
	`first_decision` integer NOT NULL,
	`return_number` integer NOT NULL,
	`decided_at` integer,
	`returned_at` integer,
	`flagged_fields` text NOT NULL,
	`something_else` integer NOT NULL,
	`reason` text,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `quality_facts_at_idx` ON `quality_facts` (`at`);--> statement-breakpoint
CREATE INDEX `quality_facts_decided_at_idx` ON `quality_facts` (`decided_at`);--> statement-breakpoint
CREATE TABLE `quality_reasons` (
	`to_team` text NOT NULL,
	`day` integer NOT NULL,
	`type_key` text NOT NULL,
	`from_team` text NOT NULL,
	`entries` text NOT NULL,
	PRIMARY KEY(`to_team`, `day`, `type_key`, `from_team`)
);
--> statement-breakpoint
CREATE INDEX `quality_reasons_from_idx` ON `quality_reasons` (`from_team`,`day`);--> statement-breakpoint
CREATE INDEX `quality_reasons_type_idx` ON `quality_reasons` (`type_key`,`day`);--> statement-breakpoint
CREATE TABLE `quality_resubmissions` (
	`to_team` text NOT NULL,
	`day` integer NOT NULL,
	`type_key` text NOT NULL,
	`from_team` text NOT NULL,
	`spans` text NOT NULL,
	PRIMARY KEY(`to_team`, `day`, `type_key`, `from_team`)
);
--> statement-breakpoint
CREATE INDEX `quality_resubmissions_from_idx` ON `quality_resubmissions` (`from_team`,`day`);--> statement-breakpoint
CREATE INDEX `quality_resubmissions_type_idx` ON `quality_resubmissions` (`type_key`,`day`);--> statement-breakpoint
DROP INDEX `handoffs_from_team_closed_idx`;