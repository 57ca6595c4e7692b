CREATE TABLE `weekly_reports` (
	`user_id` text NOT NULL,
	`week_of` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `week_of`)
);
