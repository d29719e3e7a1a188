DROP TABLE attachments;
DROP TABLE file_blobs;
