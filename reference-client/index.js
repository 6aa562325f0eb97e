import '../dist/reference-client/app/main.js';
