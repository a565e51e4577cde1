é;
ü SELECT 1;
😀;
