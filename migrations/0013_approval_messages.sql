CREATE TABLE `approval_messages` (
	`handoff_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`event_id` integer NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	PRIMARY KEY(`channel`, `ts`),
	FOREIGN KEY (`handoff_id`) REFERENCES `handoffs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `approval_messages_handoff_idx` ON `approval_messages` (`handoff_id`);