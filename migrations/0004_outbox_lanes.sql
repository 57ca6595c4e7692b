ALTER TABLE `outbox` ADD `lane` text;--> statement-breakpoint
CREATE INDEX `outbox_lane_idx` ON `outbox` (`lane`,`id`) WHERE "outbox"."sent_at" IS NULL;