import '../dist/reference-client/main.js';
