ALTER TABLE `handoffs` ADD `source_channel` text;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `source_ts` text;--> statement-breakpoint
ALTER TABLE `handoffs` ADD `source_permalink` text;