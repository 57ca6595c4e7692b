CREATE TABLE `message_sources` (
	`view_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `handoffs_parent_idx` ON `handoffs` (`parent_id`);