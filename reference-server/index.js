import '../dist/reference-server/main.js';
