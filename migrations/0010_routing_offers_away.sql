CREATE TABLE `away_people` (
	`user_id` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL,
	`backup_id` text,
	`set_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dm_channels` (
	`user_id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `routing_turns` (
	`team_key` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `handoffs` ADD `offered_to` text;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `offer_expires_at` integer;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `offers_exhausted_at` integer;--> statement-breakpoint
CREATE INDEX `handoffs_offer_expires_idx` ON `handoffs` (`offer_expires_at`);