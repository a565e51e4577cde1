/* open comment; /* nested */ still;
SELECT 1;
