/*
 * The .attn language: hardware targets, routers and attention kernels.
 *
 * The grammar is deliberately small. Properties share one shape, `key item, item, ...;`, and
 * their meaning (which keys exist, which units they take) is checked by the resolver, where a
 * precise message with the expected form is possible. Only masks and head assignments have
 * their own syntax, because they are expressions.
 */
grammar Attn;

@parser::members {
    /** True when the next token is on the line of the previous one (comments aside). */
    boolean sameLine() {
        Token previous = _input.LT(-1);
        return previous == null || _input.LT(1).getLine() == previous.getLine();
    }
}

file
    : importDecl* decl* EOF
    ;

importDecl
    : IMPORT STRING SEMI
    ;

decl
    : TARGET name=ident (EXTENDS base=ident)? LBRACE property* RBRACE   # targetDecl
    | ROUTER name=ident LBRACE property* RBRACE                          # routerDecl
    | KERNEL name=ident LBRACE kernelStmt* RBRACE                        # kernelDecl
    ;

kernelStmt
    : MASK maskExpr SEMI                        # maskStmt
    | HEADS headSet COLON headPattern SEMI      # headsStmt
    | property                                  # propertyStmt
    ;

property
    : key=ident item (COMMA item)* SEMI
    ;

// The words of an item share a line: a word on a new line needs a ',' or ';' before it, so that a
// forgotten ';' is a syntax error rather than a silently longer property.
item
    : word ({sameLine()}? word)*
    ;

word
    : ident
    | quantity
    | STRING
    ;

// A number with an optional unit: 128K, 228 KiB/sm, 4096 flop/cycle/sm, 2048/sm, 600 ns, 50%, -3.
quantity
    : MINUS? NUMBER ({sameLine()}? unit)?
    ;

unit
    : ident (SLASH ident)*
    | (SLASH ident)+
    | PERCENT
    ;

headSet
    : STAR                                      # allHeads
    | headRange (COMMA headRange)*              # headRanges
    ;

headRange
    : first=headIndex (DOTDOT last=headIndex)?
    ;

// A negative index is read, not a syntax error, so that the resolver can say what is wrong with it.
headIndex
    : MINUS? NUMBER
    ;

headPattern
    : ROUTE router=ident LPAREN full=maskExpr COMMA sparse=maskExpr RPAREN   # routedPattern
    | maskExpr                                                               # fixedPattern
    ;

// Precedence, tightest first: !, &, |. Chains are loops, not left recursion, so that a chain of a
// million operands is one flat node rather than a million-deep tree.
maskExpr
    : andExpr (OR andExpr)*
    ;

andExpr
    : unaryExpr (AND unaryExpr)*
    ;

unaryExpr
    : NOT unaryExpr                                         # notMask
    | LPAREN maskExpr RPAREN                                # parenMask
    | fn=ident (LPAREN (arg (COMMA arg)*)? RPAREN)?         # callMask
    ;

arg
    : (name=ident)? quantity
    ;

// Keywords are reserved only where they start a construct; elsewhere they are plain names.
ident
    : IDENT | TARGET | KERNEL | ROUTER | IMPORT | EXTENDS | HEADS | ROUTE
    ;

IMPORT  : 'import' ;
TARGET  : 'target' ;
EXTENDS : 'extends' ;
ROUTER  : 'router' ;
KERNEL  : 'kernel' ;
MASK    : 'mask' ;
HEADS   : 'heads' ;
ROUTE   : 'route' ;

LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
SEMI   : ';' ;
COMMA  : ',' ;
COLON  : ':' ;
DOTDOT : '..' ;
SLASH  : '/' ;
STAR   : '*' ;
AND    : '&' ;
OR     : '|' ;
NOT    : '!' ;
MINUS  : '-' ;
PERCENT: '%' ;

NUMBER
    : DIGIT+ ('.' DIGIT+)? ([eE] [+-]? DIGIT+)?
    ;

// Hyphens may join parts of a name (fp8-e4m3, h100-sxm); there is no subtraction to confuse.
IDENT
    : [a-zA-Z_] [a-zA-Z_0-9]* ('-' [a-zA-Z_0-9]+)*
    ;

STRING
    : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"'
    ;

// A string that reaches the end of its line. SourceParser reports it once and hands it to the
// parser as a STRING, so that one missing quote does not derail the rest of the file.
UNTERMINATED_STRING
    : '"' (~["\\\r\n] | '\\' ~[\r\n])* '\\'?
    ;

LINE_COMMENT
    : '//' ~[\r\n]* -> channel(HIDDEN)
    ;

BLOCK_COMMENT
    : '/*' .*? '*/' -> channel(HIDDEN)
    ;

// A block comment still open at the end of the file; reported by SourceParser.
UNTERMINATED_COMMENT
    : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(HIDDEN)
    ;

WS
    : [ \t\r\n\f]+ -> skip
    ;

fragment DIGIT : [0-9] ;
