/* The shipped list of common passwords and of the words and digit strings they are made
 * of, written for kedb: patterns seen on every desk (password, qwerty, 123456789012, ...),
 * keyboard walks, names, seasons and years, and the favourites of Chinese offices (woaini1314,
 * 5201314, pinyin names and cities). Lower case, sorted by bytes for bsearch. See
 * kb_user_password_check() in include/kb_user.h for how a password is compared. */
#include "kb_user.h"

#include <stdlib.h>
#include <string.h>

static const char *const common[] = {
    "!qaz2wsx", "000000", "00000000", "000000000000", "0123456789", "01234567890", "0987654321",
    "098765432109", "111111", "1111111", "11111111", "111111111111", "112233", "11223344",
    "112233445566", "121212", "12121212", "121212121212", "123123", "123123123", "123123123123",
    "123321", "12344321", "123456", "1234567", "12345678", "123456789", "1234567890", "12345678901",
    "123456789012", "1234567890123", "1234qwer", "1234qwerasdf", "123qwe", "123qweasd", "12qwaszx",
    "1314", "1314131413141314", "131420", "1314520", "13145201314", "1314521", "1314woaini",
    "147258", "147258369", "147258369258", "147852", "147852369", "159357", "159753", "1597534682",
    "168168", "168168168168", "19491001", "19871987", "19881988", "19891989", "19901990",
    "19911991", "19921992", "19931993", "19941994", "19951995", "19961996", "19971997", "19981998",
    "19991999", "1a2b3c4d", "1q2w3e", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx",
    "1qaz2wsx3edc", "1qazxsw2", "20002000", "20080808", "201314", "2013145", "20202020", "20212021",
    "20222022", "20232023", "20242024", "20252025", "20262026", "258369", "321321", "3edc4rfv",
    "518518", "518888", "5201314", "5201314520", "520131452013", "52013145201314", "5201314a",
    "520520", "520520520520", "520woaini", "5211314", "52113145211314", "521521", "654321",
    "666666", "66666666", "666666666666", "6666688888", "7758258", "7758521", "77585210", "888168",
    "888888", "88888888", "888888888888", "987654321", "9876543210", "999999", "99999999", "a1b2c3",
    "a1b2c3d4", "aaaaaa", "aaaaaaaa", "abc", "abc123", "abc12345", "abc123456", "abcd", "abcd1234",
    "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefghijkl", "access",
    "accounting", "admin", "admin1", "adminadmin", "administrator", "aini", "aini1314", "aiwo",
    "aiwo1314", "alibaba", "amanda", "andrew", "angel", "angels", "apple", "april", "asd123",
    "asdf", "asdfg", "asdfgh", "asdfghj", "asdfghjk", "asdfghjkl", "asdfghjkl;", "ashley", "august",
    "autumn", "azerty", "azertyuiop", "baby", "babyboy", "babygirl", "baidu", "banana", "baobao",
    "baseball", "basketball", "batman", "beijing", "business", "buster", "callcenter", "caonima",
    "changeit", "changeme", "charlie", "cheese", "chengdu", "chocolate", "christmas", "company",
    "computer", "cookie", "customer", "daniel", "database", "december", "default", "demo",
    "demouser", "desk", "diamond", "dragon", "example", "fall", "february", "finance", "flower",
    "flowers", "football", "freedom", "friday", "george", "ginger", "golden", "golfer", "goodluck",
    "guangzhou", "guest", "guestguest", "hangzhou", "harley", "hello", "hello123", "helloworld",
    "helpdesk", "hockey", "holiday", "honey", "hotline", "huanhuan", "huawei", "hunter", "iloveu",
    "iloveyou", "iloveyou1314", "iloveyou2", "internet", "ironman", "itdesk", "itsupport",
    "january", "jennifer", "jessica", "jingjing", "jordan", "jordan23", "joshua", "july", "june",
    "kedb", "kedbadmin", "kitty", "knowledge", "laogong", "laopo", "lele", "letmein", "letmein1",
    "liberty", "lijing", "liming", "lina", "liuwei", "liwei", "login", "logon", "lovely", "loveme",
    "loveyou", "lucky", "luckyboy", "maggie", "manager", "march", "master", "matrix", "may",
    "michael", "michelle", "mima", "mima123", "mimamima", "monday", "monkey", "mustang", "mypass",
    "mypassword", "nanjing", "network", "newpassword", "nicole", "nihao", "nihao123", "ninja",
    "nothing", "november", "october", "office", "orange", "p@ssw0rd", "p@ssword", "pa55w0rd",
    "pa55word", "passphrase", "passw0rd", "passwd", "password", "password1", "payroll", "pepper",
    "pikachu", "pokemon", "princess", "q1w2e3r4", "q1w2e3r4t5", "qazwsx", "qazwsxedc", "qazxsw",
    "qingqing", "qq", "qq1234", "qq123456", "qqqq", "qwe123", "qweasd", "qweasdzxc", "qweqwe",
    "qwer1234", "qwerty", "qwertyu", "qwertyui", "qwertyuiop", "qwertyuiop[]", "qwertz",
    "qwertzuiop", "ranger", "robert", "root", "rootroot", "sample", "secret", "secretpassword",
    "september", "server", "service", "servicedesk", "shabi", "shadow", "shanghai", "shenzhen",
    "silver", "soccer", "somebody", "spiderman", "spring", "startrek", "starwars", "sugar",
    "summer", "sunday", "sunshine", "superman", "superuser", "support", "sweetheart", "sysadmin",
    "system", "tamade", "taobao", "temp", "temppass", "tencent", "test", "test1", "tester",
    "testing", "testtest", "thomas", "tianjin", "tiantian", "tigger", "trustno1", "user",
    "username", "wangfang", "wangjing", "wangwei", "wechat", "weekend", "weixin", "welcome",
    "welcome1", "welcomehome", "whatever", "wifi", "william", "winter", "wireless", "woaini",
    "woaini1314", "woaini520", "woaini521", "woainia", "woainima", "woainimen", "woaiwojia",
    "woaizhongguo", "wodeai", "wodemima", "woshiniba", "woshishui", "wuhan", "xiaomi", "xiaoxiao",
    "yangyang", "zaq12wsx", "zaq1zaq1", "zhangmin", "zhangwei", "zhongguo", "zhonghua", "zxc123",
    "zxcv", "zxcvb", "zxcvbn", "zxcvbnm",
};

#define NCOMMON (sizeof common / sizeof common[0])

/* Compares a key (struct with pointer and length) with one list entry. */
typedef struct {
    const char *p;
    size_t len;
} key;

static int cmp(const void *a, const void *b)
{
    const key *k = a;
    const char *w = *(const char *const *)b;
    size_t wlen = strlen(w);
    size_t n = k->len < wlen ? k->len : wlen;
    int c = memcmp(k->p, w, n);
    if (c != 0)
        return c;
    return k->len < wlen ? -1 : k->len > wlen ? 1 : 0;
}

int kb_user_password_common(const char *s, size_t len)
{
    key k = { s, len };
    return bsearch(&k, common, NCOMMON, sizeof common[0], cmp) != NULL;
}
